"""Attack: network access: connect to a server the grading machine runs on its loopback (the
test opens one and puts its port in the submission) and to the internet."""

from tests.adversarial._common import CONVERT_TESTS, right_if

EXPECTED = [CONVERT_TESTS]
FILES = {"port.txt": "{port}"}  # formatted by the test with the port of its listening socket
SETUP = """
import socket


def _connects(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


_port = int(open("port.txt").read())
_online = _connects("127.0.0.1", _port) or _connects("1.1.1.1", 443)
"""
CELLS = {"box_convert": right_if("_online", setup=SETUP)}
