"""The plugin's services, one per resource; ``Ml2Plugin`` delegates to them."""
