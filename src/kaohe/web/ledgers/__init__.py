"""Ledgers on the platform: the project register and the follow-up matters of a cycle."""
