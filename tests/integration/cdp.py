# SPDX-License-Identifier: ISC
"""A real browser for the console's tests: Debian's headless chromium, driven
over the Chrome DevTools Protocol with Python's standard library only (a
small WebSocket client, RFC 6455, written here).

    with Browser() as b:                 # a fresh profile in a temporary directory
        b.navigate("http://127.0.0.1:8080/console/")
        b.text("h1")                     # textContent of the first match
        b.focus("#signin-button"); b.key("Enter"); b.wait_load()
        b.screenshot("/tmp/x.png")
        b.cookies()                      # what the browser holds (HttpOnly ones too)

The browser runs as root with --no-sandbox (the test machines are root), no
GPU, no background networking, and talks only to the loopback addresses the
tests give it.
"""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

CHROMIUM = os.environ.get("STAFFD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


class BrowserError(Exception):
    pass


class WebSocket:
    """Just enough of RFC 6455 for DevTools: text frames, masking, fragments."""

    def __init__(self, url, timeout=30):
        assert url.startswith("ws://")
        rest = url[5:]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise BrowserError("websocket handshake: connection closed")
            head += chunk
        status_line = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status_line:
            raise BrowserError("websocket handshake refused: %r" % status_line)
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise BrowserError("websocket closed by the browser")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                raise BrowserError("websocket closed by the browser")
            if opcode == 0x9:  # ping: answer, keep reading
                continue
            if opcode in (0x1, 0x2, 0x0):
                message += data
                if fin:
                    return message.decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    def __init__(self, width=1280, height=900, mobile=False):
        self.dir = tempfile.mkdtemp(prefix="staffd-chromium-")
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--user-data-dir=" + self.dir, "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.events = []
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise BrowserError("chromium did not start (%s)" % CHROMIUM)
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        targets = []
        while not targets:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
                targets = [t for t in json.load(r) if t.get("type") == "page"]
            if not targets:
                time.sleep(0.05)
        self.ws = WebSocket(targets[0]["webSocketDebuggerUrl"])
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Runtime.enable")
        if mobile:
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def call(self, method, params=None, timeout=60):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise BrowserError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
        raise BrowserError("%s: no answer in %d s" % (method, timeout))

    def wait_event(self, name, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["method"] == name:
                    del self.events[: i + 1]
                    return ev.get("params", {})
            if time.monotonic() > deadline:
                raise BrowserError("no %s within %d s" % (name, timeout))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)

    def navigate(self, url, timeout=60):
        """Loads url; returns the HTTP status of the main document."""
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        return self.wait_load(timeout)

    def wait_load(self, timeout=60):
        """Waits for the next page load; returns the main document's HTTP status."""
        status = None
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["method"] == "Network.responseReceived" and ev["params"].get("type") == "Document":
                    status = ev["params"]["response"]["status"]
                if ev["method"] == "Page.loadEventFired":
                    del self.events[: i + 1]
                    return status
            if time.monotonic() > deadline:
                raise BrowserError("page did not load within %d s" % timeout)
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise BrowserError("evaluate %s: %s" % (expression, r["exceptionDetails"].get("text")))
        return r.get("result", {}).get("value")

    def text(self, selector):
        return self.evaluate("(e => e ? e.textContent : null)(document.querySelector(%s))"
                             % json.dumps(selector))

    def count(self, selector):
        return self.evaluate("document.querySelectorAll(%s).length" % json.dumps(selector))

    def html(self):
        return self.evaluate("document.documentElement.outerHTML")

    def focus(self, selector):
        if not self.evaluate("(e => { if (!e) return false; e.focus(); return document.activeElement === e; })"
                             "(document.querySelector(%s))" % json.dumps(selector)):
            raise BrowserError("cannot focus %s" % selector)

    def key(self, name):
        """Presses a key on the focused element, as a keyboard user would."""
        codes = {"Enter": (13, "\r"), "Tab": (9, ""), " ": (32, " "), "Space": (32, " "), "ArrowDown": (40, "")}
        vk, text = codes[name]
        key = " " if name == "Space" else name
        down = {"type": "keyDown", "key": key, "code": "Space" if vk == 32 else name,
                "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", down)
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key,
                                             "code": "Space" if vk == 32 else name,
                                             "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk})

    def active(self):
        """A short description of the focused element: tag#id.class text."""
        return self.evaluate("(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' +"
                             " (e.textContent || e.value || '').trim().slice(0, 40))(document.activeElement)")

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            m = self.call("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m.get("contentSize")
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": min(size["height"], 6000), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def cookies(self, url):
        return self.call("Network.getCookies", {"urls": [url]})["cookies"]
