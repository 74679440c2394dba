"""smsremind: SMS appointment reminders for medical and dental practices."""

__version__ = "0.1.0"
