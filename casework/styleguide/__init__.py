"""The style guide: the desk's design tokens and components, shown to staff."""
