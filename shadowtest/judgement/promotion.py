"""``promote(require=...)``'s gate: what the requirement asks for, and whether a judgement
meets it. Pure: the client only fetches the metrics, judges and raises what this says.
An ``INCONCLUSIVE`` verdict (a critical gate not yet shown within tolerance) meets no
requirement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shadowtest._checks import Checker, show
from shadowtest.errors import PromotionBlockedError

if TYPE_CHECKING:
    from shadowtest.judgement import Judgement, Policy, Verdict

__all__ = ["blocked", "requirement"]


def requirement(require: object) -> tuple[Verdict | None, Policy | None]:
    """``promote``'s ``require`` checked: the verdict wanted (``None``: promote without
    judging) and the policy to judge with (``None``: the default);
    :class:`ConfigValidationError` for anything else."""
    if require is None:
        return None, None
    from shadowtest.judgement import Policy, Verdict

    if isinstance(require, Policy):
        return Verdict.PASS, require
    # the CLI's spelling (--require pass) is accepted too: any case of the verdict's string
    if isinstance(require, str) and require.upper() in (Verdict.PASS.value,
                                                         Verdict.MARGINAL.value):
        return Verdict(require.upper()), None
    c = Checker()
    c.add("require", f"got {show(require)}; must be Verdict.PASS, Verdict.MARGINAL (or their "
                     "strings, 'pass' and 'marginal' too), a Policy (PASS under it), or None")
    return c.fail("promote arguments")


def blocked(name: str, judgement: Judgement, wanted: Verdict) -> PromotionBlockedError | None:
    """The :class:`PromotionBlockedError` to raise when ``judgement`` of experiment ``name``
    falls short of ``wanted``; ``None`` when promoting may go ahead."""
    if judgement.allows(wanted):
        return None
    why = "; ".join(judgement.reasons) or "no reason given"
    return PromotionBlockedError(
        f"not promoting the shadow of {name!r}: the judgement is {judgement.verdict.value} "
        f"(score {judgement.score:.1f}), {wanted.value} was required: {why}", name=name,
        required=wanted.value, judgement=judgement)
