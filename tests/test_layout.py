"""The test tree itself: pytest's default import mode needs unique module basenames
(two `test_config.py` files stop collection with "import file mismatch")."""

import collections
import os


def test_test_module_basenames_are_unique():
    root = os.path.dirname(__file__)
    seen = collections.defaultdict(list)
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py") and name != "conftest.py":
                seen[name].append(os.path.relpath(os.path.join(folder, name), root))
    duplicates = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not duplicates, f"rename one of each: {duplicates}"
