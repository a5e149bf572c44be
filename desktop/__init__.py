"""Proximity: live contact-centre dashboard for team leads and supervisors."""

__version__ = "0.1.0"
