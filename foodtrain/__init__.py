"""foodtrain: models, services, configuration and commands for a volunteer grocery delivery charity."""

from __future__ import annotations

from pathlib import Path

# The data shipped with the app (postcodes, demo data, import templates). In the checkout
# foodtrain/data is a symlink to the top-level data/ folder; the wheel carries the files themselves
# as package data (setup.cfg), so an installed app finds them without the checkout.
DATA_DIRECTORY = Path(__file__).resolve().parent / "data"
