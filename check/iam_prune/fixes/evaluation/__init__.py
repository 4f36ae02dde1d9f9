"""What a configuration makes, before and after a change: the texts a fix may edit, parsed
once per run (``workspace``), the resource and module instances of each root (``instances``),
and an edited copy evaluated again only where the edit reaches (``retree``, ``depends``)."""
