"""The command line `toolbox-assistant`: ask, evaluate, serve, and the editors' commands."""
