"""A small TCP proxy for tests: forwards to a real server until paused (a stall) or closed (a refusal)."""

import contextlib
import socket
import threading


class TcpProxy:
    """Listen on a free local port and forward every connection to `target` while running."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.closed = False
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def pause(self):
        """Stop moving bytes either way; connections stay open and new ones are accepted: a stalled server."""
        self.flowing.clear()

    def resume(self):
        """Move bytes again."""
        self.flowing.set()

    def close(self):
        """Close the listener and every connection."""
        self.closed = True
        self.flowing.set()
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source, sink):
        while not self.closed:
            try:
                self.flowing.wait()
                data = source.recv(65536)
                if not data:
                    break
                self.flowing.wait()  # bytes read just before a pause are held until the resume
                if self.closed:
                    break
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
