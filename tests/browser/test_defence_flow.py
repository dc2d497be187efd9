"""Defence scoring in the browser: the command centre's matrix fills from real checks of the demo's
loopback services; the white team takes a team's shop down and sees it go down, tries the check by
hand, brings it back; the blue team files a password change request on its own checks page."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from test_admin_flow import log_in, submit
from test_challenge_flow import notice, start_exercise

EXERCISE = "/exercises/marvel-demo"
# The demo checks every 15 s; a tick's checks take at most their 3 s timeout, then the tick is scored.
TICKS = 50


def status_of(browser, service):
    """The status word of `service` in the team's checks page's first table (the badge says "✓ up")."""
    for row in browser.find_elements(By.CSS_SELECTOR, "table tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells and cells[0].text == service:
            return cells[1].text.split()[-1] if cells[1].text else None
    return None


def wait_for_status(browser, url, service, wanted):
    def reloaded(driver):
        driver.get(url)
        return status_of(driver, service) == wanted

    WebDriverWait(browser, TICKS, poll_frequency=2).until(reloaded, f"{service} never became {wanted}")


def test_white_team_watches_checks_takes_a_service_down_and_blue_team_changes_a_password(browser, server):
    start_exercise(browser, server)
    log_in(browser, server, "admin")

    # The matrix fills within a tick; the server's own worker reports.
    def matrix_alive(driver):
        driver.get(server + EXERCISE + "/services")
        return "check-up" in driver.page_source

    WebDriverWait(browser, TICKS, poll_frequency=2).until(matrix_alive, "the matrix never showed an up service")
    page = browser.page_source
    for service in ("shop", "mail", "ssh", "dns"):
        assert service in page
    assert "alive" in page  # the workers table

    # Take Australia's shop down from its checks page; the next tick finds it down.
    team = server + EXERCISE + "/teams/blue-au/checks"
    wait_for_status(browser, team, "shop", "up")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table tbody tr") if r.find_elements(By.TAG_NAME, "td")[0].text == "shop")
    submit(browser, row.find_element(By.XPATH, ".//button"))
    wait_for_status(browser, team, "shop", "down")
    assert "Connection refused" in browser.page_source
    timeline = browser.find_element(By.XPATH, "//h2[contains(., 'Status changes')]/following-sibling::*").text
    assert "shop" in timeline and "down" in timeline

    # Try it by hand from the service's page: the same answer, now.
    browser.get(server + EXERCISE + "/services/shop")
    browser.find_element(By.CSS_SELECTOR, "select[name=team] option[value=blue-au]").click()
    submit(browser, browser.find_element(By.XPATH, "//form[contains(@action, '/try')]//button"))
    assert "Connection refused" in browser.page_source

    # Bring it back; it is up again within a tick.
    browser.get(team)
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table tbody tr") if r.find_elements(By.TAG_NAME, "td")[0].text == "shop")
    submit(browser, row.find_element(By.XPATH, ".//button"))
    wait_for_status(browser, team, "shop", "up")
    browser.delete_all_cookies()

    # The blue team: Services leads to its own page, where it files a password change request.
    log_in(browser, server, "au-lead")
    browser.get(server + EXERCISE + "/services")
    assert browser.current_url.endswith("/teams/blue-au/checks")
    browser.find_element(By.CSS_SELECTOR, "select[name=service] option[value=mail]").click()
    browser.find_element(By.NAME, "password").send_keys("Harbour-2027-new")
    submit(browser, browser.find_element(By.XPATH, "//form[contains(@action, '/password-changes')]//button"))
    assert "Password change recorded" in notice(browser)
    assert "postmaster" in browser.page_source
    assert "Harbour-2027-new" not in browser.page_source  # the team's own view does not echo it
    browser.get(server + EXERCISE + "/teams/blue-gb/checks")
    assert "Services and checks" not in browser.page_source  # another team's checks do not exist for them
