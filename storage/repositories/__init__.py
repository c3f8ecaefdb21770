"""Repositories: the only code that writes SQL; callers pass an ``AsyncSession``."""
