"""Exit 0 when every host:port given answers a TCP connect within a second."""

import socket
import sys

for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), 1).close()
    except OSError:
        sys.exit(1)
