"""SMTP fixtures: a real aiosmtpd server writing to a folder."""
