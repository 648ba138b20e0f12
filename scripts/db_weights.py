"""The runtime's price of one storage read and one write, from runtime/src/db_weights.rs (what
scripts/bench/storage.sh generated), for the scripts that price weights as the runtime does."""
import os
import re

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime", "src", "db_weights.rs")


def runtime_db_weights_ns():
    """(read, write) in nanoseconds."""
    text = open(PATH).read()
    read = int(re.search(r"read: ([\d_]+) \*", text).group(1).replace("_", ""))
    write = int(re.search(r"write: ([\d_]+) \*", text).group(1).replace("_", ""))
    return read, write
