from django.core.exceptions import NON_FIELD_ERRORS


class DomainError(Exception):
    """A rule of the domain was broken by the caller's input. APIs answer 400, forms show it.

    `field` names the input at fault so the message can sit next to it; None means the request
    as a whole.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or NON_FIELD_ERRORS: [self.message]}
