"""Every page, for every role, in English and Korean, on a laptop and on a phone, looked at the way a
person would: nothing wider than the screen, no chart or legend that swallows the page, no text
spilling out of a table cell, no console error, no serious accessibility violation (axe-core), and
every page under its weight budget. A screenshot of each is saved for a person to look at; the
folder is printed (RAMPART_SCREENSHOTS sets it)."""
import base64
import os
import pathlib
import re
import tempfile
import urllib.parse

import pytest
from axe_selenium_python import Axe
from selenium.webdriver.common.by import By

from test_admin_flow import log_in, submit

ROLES = ["admin", "judge", "red-lead", "gb-lead", "kr-lead", "range-op", "observer"]
VIEWPORTS = {"laptop": (1440, 900, False), "phone": (390, 844, True)}
# HTML, CSS and JS of one page, as the browser decoded them.
PAGE_BUDGET = 150 * 1024
# Pages that are downloads, actions or another format rather than pages to look at.
SKIP = re.compile(r"^/(api/|logout|static/)|/files/|\.(json|csv|yaml|ya?ml)$|/(export|exercise-file|download)(/|$)")
# A path segment after one of these names an item; one item of a kind stands for the rest.
COLLECTIONS = {"teams", "challenges", "services", "score", "checks", "users", "submissions"}
SCREENSHOTS = pathlib.Path(os.environ.get("RAMPART_SCREENSHOTS") or tempfile.mkdtemp(prefix="rampart-screenshots-"))
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def template(path):
    """The page's kind: ids and item names replaced, so one challenge stands for every challenge."""
    parts = path.strip("/").split("/")
    out = []
    for index, part in enumerate(parts):
        if re.fullmatch(r"[0-9a-fA-F-]{36}|\d+", part) or (index > 0 and parts[index - 1] in COLLECTIONS and index != 1):
            out.append(":x")
        else:
            out.append(part)
    return "/" + "/".join(out)


def links(browser, server):
    """Same-site pages this page links to."""
    found = []
    for href in browser.execute_script("return Array.from(document.querySelectorAll('a[href]'), a => a.href)"):
        url = urllib.parse.urlsplit(href)
        if f"{url.scheme}://{url.netloc}" != server or url.fragment and not url.path:
            continue
        if SKIP.search(url.path):
            continue
        found.append(url.path + (("?" + url.query) if url.query else ""))
    return found


def set_viewport(browser, name):
    width, height, mobile = VIEWPORTS[name]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    )


PROBLEMS_JS = r"""
const vw = document.documentElement.clientWidth, vh = window.innerHeight, problems = [];
const where = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined && e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '');
function clipped(e) {
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
  }
  return false;
}
if (document.documentElement.scrollWidth > vw + 1) problems.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' px wide in ' + vw);
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || !e.checkVisibility()) continue;
  if (r.right > vw + 1 && !clipped(e)) problems.push(where(e) + ' reaches ' + Math.round(r.right) + ' px, past the ' + vw + ' px screen');
  if (['svg', 'img', 'canvas', 'video'].includes(e.tagName.toLowerCase()) && (r.height > 0.75 * vh || (e.parentElement && r.width > e.parentElement.getBoundingClientRect().width + 1)))
    problems.push(where(e) + ' is ' + Math.round(r.width) + '×' + Math.round(r.height) + ', larger than its place');
  if (['td', 'th'].includes(e.tagName.toLowerCase()) && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
    problems.push(where(e) + ' text spills out of its cell: "' + e.textContent.trim().slice(0, 40) + '"');
}
return problems.slice(0, 10);
"""

WEIGHT_JS = """
const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
return entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0);
"""


def screenshot(browser, name):
    height = min(browser.execute_script("return document.documentElement.scrollHeight"), 6000)
    width = browser.execute_script("return document.documentElement.clientWidth")
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
    )
    (SCREENSHOTS / name).write_bytes(base64.b64decode(shot["data"]))


def look_at(browser, axe, path, label, viewport, check_accessibility):
    """Everything wrong with the page as it stands now, as sentences."""
    problems = [f"{label} {viewport} {path}: {p}" for p in browser.execute_script(PROBLEMS_JS)]
    for entry in browser.get_log("browser"):
        # A page that answers 404 or 403 says so in its body; the console notes the status of the page itself.
        if entry["level"] == "SEVERE" and not entry["message"].startswith(browser.current_url + " "):
            problems.append(f"{label} {viewport} {path}: console: {entry['message'][:200]}")
    weight = browser.execute_script(WEIGHT_JS)
    if weight > PAGE_BUDGET:
        problems.append(f"{label} {viewport} {path}: weighs {weight} bytes (budget {PAGE_BUDGET})")
    if check_accessibility:
        axe.inject()
        results = axe.run(options="{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}}")
        for violation in results["violations"]:
            if violation["impact"] in ("serious", "critical"):
                nodes = ", ".join(n["target"][0] for n in violation["nodes"][:3])
                problems.append(f"{label} {viewport} {path}: axe {violation['id']} ({violation['impact']}): {nodes}")
    name = re.sub(r"[^a-z0-9]+", "-", f"{label}-{viewport}-{template(path)}".lower()).strip("-") + ".png"
    screenshot(browser, name)
    return problems


def tour(browser, server, label):
    """Visits every page reachable from the exercise list by links, one page per kind, at both sizes."""
    axe = Axe(browser)
    seen, queue, problems, visited = set(), ["/exercises", "/account"], [], []
    while queue:
        path = queue.pop(0)
        key = template(path.split("?")[0])
        if key in seen:
            continue
        seen.add(key)
        for viewport in VIEWPORTS:
            set_viewport(browser, viewport)
            browser.get(server + path)
            if viewport == "laptop":
                queue += links(browser, server)
            problems += look_at(browser, axe, path, label, viewport, check_accessibility=viewport == "laptop")
        visited.append(path)
    return visited, problems


@pytest.mark.parametrize("username", ROLES)
def test_every_page_looks_right(browser, server, username):
    print(f"\nscreenshots: {SCREENSHOTS}")
    log_in(browser, server, username)
    problems = []
    for locale in ("en", "ko"):
        set_viewport(browser, "laptop")
        browser.get(server + "/account")
        switch = browser.find_elements(By.CSS_SELECTOR, f"button[name=locale][value={locale}]")
        if switch:
            submit(browser, switch[0])
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == locale
        visited, found = tour(browser, server, f"{username}-{locale}")
        assert len(visited) >= 3, visited
        problems += found
    assert not problems, "\n".join(problems)


def test_pages_without_a_login_look_right(browser, server):
    print(f"\nscreenshots: {SCREENSHOTS}")
    axe = Axe(browser)
    problems = []
    for path in ["/login", "/register", "/exercises/marvel-demo/scoreboard", "/no-such-page"]:
        for viewport in VIEWPORTS:
            set_viewport(browser, viewport)
            browser.get(server + path)
            problems += look_at(browser, axe, path, "anonymous", viewport, check_accessibility=viewport == "laptop")
    assert not problems, "\n".join(problems)


def test_the_dark_theme_looks_right_too(browser, server):
    """The wall-screen theme: the main pages, switched with the header's theme button (its cookie
    keeps the choice), checked as above, contrast included."""
    print(f"\nscreenshots: {SCREENSHOTS}")
    axe = Axe(browser)
    log_in(browser, server, "admin")
    set_viewport(browser, "laptop")
    browser.get(server + "/exercises/marvel-demo")
    switch = browser.find_element(By.CSS_SELECTOR, ".theme-switch")
    switch.click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("data-theme") == "dark"
    problems = []
    for path in ["/exercises/marvel-demo", "/exercises/marvel-demo/challenges", "/exercises/marvel-demo/scoreboard",
                 "/exercises/marvel-demo/services", "/exercises/marvel-demo/teams/blue-kr/score"]:
        browser.get(server + path)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("data-theme") == "dark", path
        problems += look_at(browser, axe, path, "admin-dark", "laptop", check_accessibility=True)
    assert not problems, "\n".join(problems)


FOCUSABLE_JS = """
return Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary'))
  .filter(e => e.checkVisibility() && !e.disabled).length;
"""

FOCUS_JS = """
const e = document.activeElement;
// A card's link shows focus on the whole card (:focus-within).
const ring = e.closest('.card') || e, s = getComputedStyle(ring);
return [e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '') + ' ' + (e.textContent || '').trim().slice(0, 30),
        s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2];
"""


def test_the_keyboard_reaches_every_action_with_visible_focus(browser, server):
    """Tab goes through every link, button and field of the main pages, each showing where focus is,
    and a flag can be submitted with the keyboard alone."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    log_in(browser, server, "ee-lead")
    set_viewport(browser, "laptop")
    problems = []
    for path in ["/exercises/marvel-demo", "/exercises/marvel-demo/challenges", "/exercises/marvel-demo/scoreboard"]:
        browser.get(server + path)
        wanted = browser.execute_script(FOCUSABLE_JS)
        reached = set()
        for _ in range(wanted + 5):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            name, visible = browser.execute_script(FOCUS_JS)
            reached.add(browser.execute_script("return document.activeElement"))
            if not visible and not name.startswith("body "):  # past the last action, focus leaves the page
                problems.append(f"{path}: focus on {name} is not visible")
        if len(reached) < wanted:
            problems.append(f"{path}: Tab reached {len(reached)} of {wanted} actions")
    assert not problems, "\n".join(problems)

    # A challenge opened and a wrong flag sent with the keyboard alone.
    browser.get(server + "/exercises/marvel-demo/challenges")
    card = browser.find_element(By.CSS_SELECTOR, ".board .card:not(.solved):not(.locked) a.card-name")
    card.send_keys(Keys.ENTER)
    field = browser.find_element(By.NAME, "flag")
    field.send_keys("RAMPART{guess}" + Keys.ENTER)
    assert browser.find_element(By.CSS_SELECTOR, "[data-result]").get_attribute("data-result") in ("incorrect", "not_running")
