"""Pathway steps: one model per verb (use, delay, book, branch, goto, transfer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.scenario.schema.distributions import Distribution, dist_shorthand_before
from sim.scenario.schema.types import (
    Duration,
    Ident,
    Label,
    Probability,
    RoleRef,
    Strict,
    match_values,
    present_or,
    priority_value,
    single_key,
)


class Urgent(Strict):
    """Urgent requests of a `book` step: a share of them, served within a bound."""

    p: Probability
    """Share of requests that are urgent."""
    within: Duration
    """Urgent requests get a slot no later than this after the request."""


class UseStep(Strict):
    """Hold a resource, for a duration or while nested steps run."""

    use: RoleRef
    """The role to hold, resolved at the patient's current site, or SITE.ROLE."""
    for_: Distribution | None = Field(None, alias="for")
    """How long the resource is held (a duration or a distribution)."""
    during: tuple[Step, ...] | None = None
    """Steps run while the resource is held (instead of `for`)."""
    name: Ident | None = None
    """Label under which the wait for this resource is reported."""
    label: Label | None = None
    """What the patient waits for, as people say it after "Wait for" (`a ward bed`); default: the name."""
    priority: (
        Annotated[Union[str, float], PlainValidator(priority_value), WithJsonSchema({"type": ["string", "number"]})] | None
    ) = None
    """Queue priority: a number or the name of a numeric attribute; smaller is served first."""
    patience: Distribution | None = None
    """A patient not served within this time leaves unseen."""
    keep: Literal["until_next"] | None = None
    """`until_next`: once its care here is over, the patient keeps the unit until the unit of its
    next `use` step is theirs (an admitted patient boards in the ED cubicle until a ward bed
    frees; an ICU patient ready for the ward stays in the ICU bed), or until it leaves."""

    @field_validator("for_", "patience", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return dist_shorthand_before(value)

    @model_validator(mode="after")
    def _one_holding(self) -> UseStep:
        if (self.for_ is None) == (self.during is None):
            raise ValueError("a use step needs exactly one of `for` (a duration) or `during` (nested steps)")
        return self


class DelayStep(Strict):
    """Time passes; no resource is held."""

    delay: Distribution
    """How long: a duration or a distribution."""

    @field_validator("delay", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return dist_shorthand_before(value)


class BookStep(Strict):
    """Take the earliest allowed slot of a calendar, wait for it, then hold the scanner."""

    book: RoleRef
    """The calendar role, resolved at the patient's current site, or SITE.ROLE."""
    for_: Distribution | None = Field(None, alias="for")
    """Time on the scanner (default: one slot)."""
    name: Ident | None = None
    """Label under which the access delay (request to appointment) is reported."""
    label: Label | None = None
    """What the patient books, as people say it (`an MRI appointment`); default: the name."""
    lead: Distribution | None = None
    """Earliest appointment after the request (preparation time)."""
    urgent: Urgent | None = None
    """Share of urgent requests and the bound within which they are served."""
    patience: Distribution | None = None
    """Longest access delay a non-urgent request accepts: offered a later slot, the patient books
    elsewhere, outside the scenario, and leaves unseen."""

    @field_validator("for_", "lead", "patience", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return dist_shorthand_before(value)


AttributeMatch = dict[
    Ident,
    Annotated[Any, PlainValidator(match_values), WithJsonSchema({"type": ["string", "number", "boolean", "array"]})],
]


class BranchOption(Strict):
    """An option of a branch: it applies to patients matching `when`, then is taken with probability `p`."""

    when: AttributeMatch | None = None
    """Attribute match: attribute name to a value or a list of values."""
    p: Probability | None = None
    """Probability among the patients this option applies to."""
    steps: tuple[Step, ...] = ()
    """Steps of this option."""

    @model_validator(mode="after")
    def _condition(self) -> BranchOption:
        if self.when is None and self.p is None:
            raise ValueError("a branch option needs `p`, `when` or both (or use `otherwise`)")
        return self


class OtherwiseOption(Strict):
    """The last option of a branch: patients for whom no other option was drawn."""

    otherwise: tuple[Step, ...]
    """Steps of this option (an empty list discharges the patient)."""


BranchItem = Annotated[
    Union[Annotated[BranchOption, Tag("<option>")], Annotated[OtherwiseOption, Tag("<otherwise>")]],
    present_or("otherwise", OtherwiseOption, "<otherwise>", "<option>"),
]


class BranchStep(Strict):
    """Exactly one option is taken, by attribute match and one uniform draw of the patient's stream."""

    branch: Annotated[tuple[BranchItem, ...], Field(min_length=1)]
    """The options, `otherwise` last."""

    @model_validator(mode="after")
    def _otherwise_last(self) -> BranchStep:
        for k, option in enumerate(self.branch[:-1]):
            if isinstance(option, OtherwiseOption):
                raise ValueError(f"`otherwise` must be the last option of a branch (found at option {k})")
        return self


class GotoStep(Strict):
    """Continue with another pathway for good: the patient's remaining steps are that pathway's.
    Steps after a goto never run; units held by an enclosing `during` are freed when the
    patient leaves."""

    goto: Ident
    """The pathway to continue with."""


class TransferStep(Strict):
    """Move the patient to another site, taking the transport time; later roles resolve there."""

    transfer: Ident
    """The destination site."""
    reserve: Ident | None = None
    """A role at the destination whose unit is held before the patient leaves: it waits where it
    is (keeping what it keeps) until one is theirs, travels with it reserved, and its next step,
    `use` of that role, starts at once on arrival."""


STEP_VERBS = ("use", "delay", "book", "branch", "goto", "transfer")

Step = Annotated[
    Union[
        Annotated[UseStep, Tag("<use>")],
        Annotated[DelayStep, Tag("<delay>")],
        Annotated[BookStep, Tag("<book>")],
        Annotated[BranchStep, Tag("<branch>")],
        Annotated[GotoStep, Tag("<goto>")],
        Annotated[TransferStep, Tag("<transfer>")],
    ],
    Discriminator(
        single_key(STEP_VERBS),
        custom_error_type="step",
        custom_error_message="expected a step with exactly one verb: " + ", ".join(STEP_VERBS),
    ),
]
