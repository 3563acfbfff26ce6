"""
TMDb's status codes: their messages, their HTTP statuses, and the bodies
that carry them.

Strictly private.  From the errors table of TMDb's documentation; key
orders as TMDb sends them.
"""

from __future__ import annotations

from ._wire import Response, json_response


__all__ = [
    "CODE_FOR_STATUS",
    "HTTP_FOR_CODE",
    "MESSAGES",
    "error_body",
    "error_response",
    "status_response",
]


#: ``status_code`` -> ``status_message``, from TMDb's errors table.
MESSAGES: dict[int, str] = {
    1: "Success.",
    2: "Invalid service: this service does not exist.",
    3: "Authentication failed: You do not have permissions to access the service.",
    4: "Invalid format: This service doesn't exist in that format.",
    5: "Invalid parameters: Your request parameters are incorrect.",
    6: "Invalid id: The pre-requisite id is invalid or not found.",
    7: "Invalid API key: You must be granted a valid key.",
    8: "Duplicate entry: The data you tried to submit already exists.",
    9: "Service offline: This service is temporarily offline, try again later.",
    10: "Suspended API key: Access to your account has been suspended, contact TMDB.",
    11: "Internal error: Something went wrong, contact TMDB.",
    12: "The item/record was updated successfully.",
    13: "The item/record was deleted successfully.",
    14: "Authentication failed.",
    15: "Failed.",
    16: "Device denied.",
    17: "Session denied.",
    18: "Validation failed.",
    19: "Invalid accept header.",
    20: "Invalid date range: Should be a range no longer than 14 days.",
    21: "Entry not found: The item you are trying to edit cannot be found.",
    22: "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
    23: "Invalid date: Format needs to be YYYY-MM-DD.",
    24: "Your request to the backend server timed out. Try again.",
    25: "Your request count (#) is over the allowed limit of (40).",
    26: "You must provide a username and password.",
    27: "Too many append to response objects: The maximum number of remote calls is 20.",
    28: "Invalid timezone: Please consult the documentation for a valid timezone.",
    29: "You must confirm this action: Please provide a confirm=true parameter.",
    30: "Invalid username and/or password: You did not provide a valid login.",
    31: "Account disabled: Your account is no longer active. Contact TMDB if this is an error.",
    32: "Email not verified: Your email address has not been verified.",
    33: "Invalid request token: The request token is either expired or invalid.",
    34: "The resource you requested could not be found.",
    35: "Invalid token.",
    36: "This token hasn't been granted write permission by the user.",
    37: "The requested session could not be found.",
    38: "You don't have permission to edit this resource.",
    39: "This resource is private.",
    40: "Nothing to update.",
    41: "This request token hasn't been approved by the user.",
    42: "This request method is not supported for this resource.",
    43: "Couldn't connect to the backend server.",
    44: "The ID is invalid.",
    45: "This user has been suspended.",
    46: "The API is undergoing maintenance. Try again later.",
    47: "The input is not valid.",
}

#: ``status_code`` -> the HTTP status TMDb sends it with (errors table).
HTTP_FOR_CODE: dict[int, int] = {
    1: 200, 2: 501, 3: 401, 4: 405, 5: 422, 6: 404, 7: 401, 8: 403,
    9: 503, 10: 401, 11: 500, 12: 201, 13: 200, 14: 401, 15: 500, 16: 401,
    17: 401, 18: 400, 19: 406, 20: 422, 21: 200, 22: 400, 23: 400, 24: 504,
    25: 429, 26: 400, 27: 400, 28: 400, 29: 400, 30: 401, 31: 401, 32: 401,
    33: 401, 34: 404, 35: 401, 36: 401, 37: 404, 38: 401, 39: 401, 40: 200,
    41: 422, 42: 405, 43: 502, 44: 500, 45: 403, 46: 503, 47: 400,
}  # fmt: skip

#: HTTP status -> the TMDb ``status_code`` of a canned error body for it.
CODE_FOR_STATUS: dict[int, int] = {
    400: 47,
    401: 3,
    403: 45,
    404: 34,
    405: 42,
    406: 19,
    422: 5,
    429: 25,
    500: 11,
    501: 2,
    502: 43,
    503: 9,
    504: 24,
}


def error_body(code: int, message: str | None = None) -> dict[str, object]:
    """
    TMDb's error body for *code*, with the key order TMDb uses for it.
    """
    msg = message if message is not None else MESSAGES[code]
    if code == 7:
        return {"status_code": 7, "status_message": msg, "success": False}
    if code == 17:
        return {
            "success": False,
            "failure": True,
            "status_code": 17,
            "status_message": msg,
        }
    if code == 36:
        return {
            "failure": True,
            "status_code": 36,
            "status_message": msg,
            "success": False,
        }
    return {"success": False, "status_code": code, "status_message": msg}


def error_response(code: int, status: int | None = None) -> Response:
    """
    A complete TMDb error response: *code*'s body with its HTTP status.
    """
    http = status if status is not None else HTTP_FOR_CODE[code]
    return json_response(http, error_body(code))


def status_response(
    code: int, http: int | None = None, **extra: object
) -> Response:
    """
    A successful status body (``success``, ``status_code`` 1, 12, 13 ...).
    """
    body: dict[str, object] = {
        "success": True,
        "status_code": code,
        "status_message": MESSAGES[code],
    }
    body.update(extra)
    return json_response(http or HTTP_FOR_CODE[code], body)
