"""Planning: hubs, patches, lots and their value model, lot suggestion, pop-ups, routes."""
