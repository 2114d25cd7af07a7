"""foodtrain: models, services, configuration and commands for a volunteer grocery delivery charity."""
