"""Which campaign state changes are allowed, decided in one place.

Pause, resume and cancel are writes to the stored state that the engine reads between batches
(listmonk's model), so the rules must hold whoever writes: the CLI, the panel or the engine.
`completed`, `cancelled` and `aborted` are final: a finished campaign is never restarted; a new
campaign of the same template picks up whoever is still eligible.
"""

from __future__ import annotations

from wabroadcast.domain.models import CampaignState

ALLOWED: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.RUNNING: frozenset(
        {
            CampaignState.PAUSED,
            CampaignState.CANCELLED,
            CampaignState.COMPLETED,
            CampaignState.ABORTED,
        }
    ),
    CampaignState.PAUSED: frozenset(
        {CampaignState.RUNNING, CampaignState.CANCELLED, CampaignState.ABORTED}
    ),
    CampaignState.CANCELLED: frozenset(),
    CampaignState.COMPLETED: frozenset(),
    CampaignState.ABORTED: frozenset(),
}

FINAL = frozenset(state for state, targets in ALLOWED.items() if not targets)


class TransitionError(ValueError):
    """A state change that is not allowed, said in words a person understands."""


def can_move(current: CampaignState | str, target: CampaignState | str) -> bool:
    return CampaignState(target) in ALLOWED[CampaignState(current)]


def check_move(campaign_id: int, current: CampaignState | str, target: CampaignState | str) -> None:
    """Raise TransitionError unless `current` may become `target`."""
    current, target = CampaignState(current), CampaignState(target)
    if target in ALLOWED[current]:
        return
    if current in FINAL:
        raise TransitionError(f"campaign {campaign_id} is {current.value}; it cannot change")
    raise TransitionError(f"campaign {campaign_id} is {current.value}; it cannot be {target.value}")
