"""Proximity: live contact-centre dashboard for team leads and supervisors."""
