"""The Discord adapter: discord.py app commands, buttons and modals over the core."""
