class Conflict(Exception):
    """The action contradicts the current state (joining twice, banning the owner...): HTTP 409."""


class RateLimited(Exception):
    """The user did this too often in the last minute: HTTP 429 with Retry-After, a form error in the UI."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
