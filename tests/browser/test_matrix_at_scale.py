"""The service matrix of a large exercise — 36 teams × 20 services, Defence Cyber Marvel's size — on one
laptop screen: every column without scrolling sideways, every row within the screen's height, each
cell's status readable, its message on keyboard focus."""
import re
import time

from selenium.webdriver.common.by import By

from conftest import demo_server
from test_admin_flow import log_in, submit
from test_every_page import PROBLEMS_JS, screenshot, set_viewport

NATIONS = ["KR", "GB", "US", "JP", "AU", "CA", "EE", "DE", "FR", "NL", "NO", "PL"]


def exercise_file():
    teams = "\n".join(
        f'  - {{slug: b{n:02d}, kind: blue, name: "Blue team {n:02d}", nation: {NATIONS[n % len(NATIONS)]}, number: {n + 10}}}'
        for n in range(1, 37)
    )
    # Nothing listens on port 9 of 127.0.0.1: every check is refused at once, so every cell is down.
    services = "\n".join(
        f'  - {{name: {name}, check: tcp, address: "127.0.0.1:9", points: 1, timeout: 1}}'
        for name in ["web", "mail", "dns", "ssh", "vpn", "ad", "db", "ftp", "wiki", "git", "chat", "scada", "hmi", "plc",
                     "erp", "crm", "proxy", "ntp", "siem", "backup"]
    )
    return f"""rampart: 1
exercise:
  slug: wall
  name: "Thirty-six teams"
  tick_seconds: 5
teams:
{teams}
services:
{services}
"""


def test_a_36_by_20_matrix_fits_a_laptop_screen(browser):
    # A demo of its own: 720 checks every 5 s would slow the other tests' shared one.
    with demo_server() as (server, _):
        check_the_matrix(browser, server)


def check_the_matrix(browser, server):
    log_in(browser, server, "admin")
    browser.get(server + "/admin/import")
    browser.execute_script("document.querySelector('textarea[name=file]').value = arguments[0]", exercise_file())
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]"))
    assert "/exercises/wall" in browser.page_source, browser.page_source[:2000]
    browser.get(server + "/exercises/wall")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/exercises/wall/state'] button"))
    # The first tick is checked and scored within a tick or two.
    deadline = time.time() + 40
    while time.time() < deadline:
        browser.get(server + "/exercises/wall/services")
        if len(browser.find_elements(By.CSS_SELECTOR, "table.matrix td.check-down")) == 36 * 20:
            break
        time.sleep(2)
    cells = browser.find_elements(By.CSS_SELECTOR, "table.matrix td")
    assert len(cells) == 36 * 20
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.matrix td.check-down")) == 36 * 20, "the first tick was not scored in 40 s"

    set_viewport(browser, "laptop")
    browser.get(server + "/exercises/wall/services")
    problems = browser.execute_script(PROBLEMS_JS)
    table = browser.execute_script(
        "const t = document.querySelector('table.matrix').getBoundingClientRect();"
        "return [t.width, t.height, document.documentElement.clientWidth, window.innerHeight]"
    )
    screenshot(browser, "matrix-36x20-laptop.png")
    width, height, screen_width, screen_height = table
    assert problems == []
    assert width <= screen_width, f"the matrix is {width} px wide on a {screen_width} px screen"
    assert height <= screen_height, f"the matrix is {height} px tall on a {screen_height} px screen"
    # Each cell says its status in a word, and its age; the full status and message on focus.
    first = browser.find_element(By.CSS_SELECTOR, "table.matrix td")
    assert "down" in first.text
    assert re.fullmatch(r"\d+(s|m|h\d\dm|d\d\dh)", first.find_element(By.CSS_SELECTOR, ".since").text)
    tip = first.get_attribute("data-tip")
    assert "down" in tip and "refused" in tip.lower(), tip
    browser.execute_script("arguments[0].focus()", first)
    shown = browser.execute_script("return getComputedStyle(arguments[0], '::after').content", first)
    assert "refused" in shown.lower(), shown

    # The command centre's wall at 1920×1080: every team's standing and every cell on one screen,
    # nothing scrolled or cut off.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
    browser.get(server + "/exercises/wall/command")
    assert browser.execute_script(PROBLEMS_JS) == []
    screenshot(browser, "command-36x20-wall.png")
    fits = browser.execute_script(
        "const bottom = s => Math.max(...Array.from(document.querySelectorAll(s), e => e.getBoundingClientRect().bottom));"
        "return [document.documentElement.scrollHeight, window.innerHeight, bottom('.wall-standings li'), bottom('.wall-matrix td'),"
        " document.querySelectorAll('.wall-standings li').length, document.querySelectorAll('.wall-matrix td').length]"
    )
    page_height, screen_height, standings_bottom, matrix_bottom, rows, cells = fits
    assert rows == 36 and cells == 36 * 20
    assert page_height <= screen_height, f"the wall is {page_height} px tall on a {screen_height} px screen"
    assert standings_bottom <= screen_height and matrix_bottom <= screen_height, fits
    # Cells small enough to fit still say their status in a word a room can read.
    assert browser.execute_script("return parseFloat(getComputedStyle(document.querySelector('.wall-matrix td')).fontSize)") >= 12
