"""From a finding to a change: the first edit (``starts``), what it takes along until nothing
dangles (``settle``, ``dependents``, ``resolve``), the checks that decide whether a patch is
safe, and the changes of all findings together (``together``, ``countlists``)."""
