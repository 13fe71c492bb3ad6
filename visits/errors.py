from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Choices
from django.utils.translation import gettext as _


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


def validate_choice(value: str, choices: type[Choices], field: str, *, allow_blank: bool = False) -> None:
    """Services take plain strings (APIs, forms, tasks): refuse one that is not among the choices."""
    if allow_blank and value == "":
        return
    if value not in choices.values:
        raise DomainError(
            _("“%(value)s” is not a valid choice.") % {"value": value}, field=field, code="invalid_choice"
        )
