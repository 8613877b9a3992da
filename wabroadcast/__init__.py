"""wabroadcast: broadcast approved WhatsApp Cloud API templates, each to each contact once."""

__version__ = "0.1.0"
