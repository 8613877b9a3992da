"""A stand-in for graph.facebook.com: the Cloud API endpoints a bulk sender uses, with Meta's
limits, errors and message fates, deterministic with a seed."""

from wabroadcast.cloudapi.client import SANDBOX_ACCESS_TOKEN
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.graph import async_error
from wabroadcast.simulator.state import AcceptedMessage, Fate, Simulator
from wabroadcast.simulator.templates import SimTemplate, default_templates

__all__ = [
    "SANDBOX_ACCESS_TOKEN",
    "AcceptedMessage",
    "Fate",
    "SimTemplate",
    "Simulator",
    "SimulatorConfig",
    "async_error",
    "create_simulator",
    "default_templates",
]
