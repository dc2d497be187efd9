"""Starts `rampart demo` on a free loopback port with a throwaway SQLite database, and a headless Chromium."""
import contextlib
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "browser-test-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def demo_server(play=False):
    """A fresh `rampart demo` of its own (throwaway data directory) on a free loopback port; yields its
    URL and the path of its log. The scripted scenario stays off unless `play`: the flows start the
    exercise and solve challenges themselves."""
    binary = ROOT / ".build" / "debug" / "rampart"
    assert binary.exists(), "build first: swift build --product rampart"
    data = tempfile.mkdtemp(prefix="rampart-browser-")
    port = free_port()
    env = dict(os.environ, RAMPART_DATA_DIR=data, RAMPART_DEMO_PASSWORD=PASSWORD, RAMPART_BCRYPT_COST="4")
    env.pop("DATABASE_URL", None)
    log = open(os.path.join(data, "server.log"), "w")
    process = subprocess.Popen([str(binary), "demo", "--port", str(port)] + ([] if play else ["--no-play"]), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/healthz", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("rampart demo did not start: " + open(os.path.join(data, "server.log")).read()[-2000:])
    try:
        yield url, os.path.join(data, "server.log")
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    """The demo the browser tests share."""
    with demo_server() as (url, _):
        yield url


def make_browser():
    """A headless Chromium of its own (its own cookies: one person)."""
    # The driver is named explicitly, so Selenium Manager never runs (and never reaches the network).
    os.environ["SE_AVOID_STATS"] = "true"
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-GB"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    service = Service(shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(5)
    return driver


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()
