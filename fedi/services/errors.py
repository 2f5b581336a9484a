"""Errors that services raise; each face turns them into its own response."""


class ServiceError(Exception):
    status = 422

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Unavailable(ServiceError):
    """A remote resource could not be fetched (a client error: the reference cannot be used)."""

    status = 422
