"""The placements office: offers, learning wishes, suggestions and matching rounds."""
