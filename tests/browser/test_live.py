"""Live pages, in two browsers at once: the white team posts an announcement and a blue member's open
page shows it without a reload; a solve in one window moves the scoreboard in the other. "Without a
reload" is checked by a mark left in each window's JavaScript, which a reload would wipe."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import make_browser
from test_admin_flow import log_in, submit, wait_for_next_page
from test_challenge_flow import EXERCISE, start_exercise


def wait_until_live(window):
    """The page's WebSocket is open (rampart.js marks the body)."""
    WebDriverWait(window, 10).until(lambda w: w.execute_script("return document.body.getAttribute('data-live-state')") == "open")
    window.execute_script("window.rampartTestMark = 'still here'")


def in_english(window, server):
    """Other tests on the shared demo leave accounts in Korean; this one reads English words."""
    window.get(server + "/account")
    switch = window.find_elements(By.CSS_SELECTOR, "button[name=locale][value=en]")
    if switch:
        submit(window, switch[0])
    assert window.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def not_reloaded(window):
    return window.execute_script("return window.rampartTestMark") == "still here"


def total(window, team):
    cells = window.find_elements(By.XPATH, f"//main//tr[td[contains(., '{team}')]]//strong")
    return int(cells[0].text) if cells else None


def test_an_announcement_and_a_solve_reach_the_other_window_without_a_reload(browser, server):
    start_exercise(browser, server)
    blue = make_browser()
    try:
        log_in(browser, server, "admin")
        log_in(blue, server, "au-lead")
        in_english(browser, server)
        in_english(blue, server)

        # The blue member reads the challenge board; the white team posts a warning to everyone.
        blue.get(server + EXERCISE + "/challenges")
        wait_until_live(blue)
        browser.get(server + EXERCISE + "/announcements")
        browser.find_element(By.NAME, "title").send_keys("Range maintenance at 14:00")
        browser.find_element(By.NAME, "body").send_keys("Save your work: **VPN** drops for five minutes.")
        browser.find_element(By.CSS_SELECTOR, "select[name=level] option[value=warning]").click()
        submit(browser, browser.find_element(By.XPATH, "//form[.//input[@name='title']]//button[@type='submit']"))
        assert "Range maintenance at 14:00" in browser.find_element(By.TAG_NAME, "main").text

        toast = WebDriverWait(blue, 5).until(lambda w: w.find_elements(By.CSS_SELECTOR, "#toasts [data-announcement]"))[0]
        assert "Range maintenance at 14:00" in toast.text
        assert "VPN" in toast.find_element(By.CSS_SELECTOR, ".toast-body strong").text  # its Markdown, rendered
        assert "warning" in toast.get_attribute("class")
        assert not_reloaded(blue)

        # Withdrawn, it leaves the blue member's screen too, and their announcements page.
        page = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(
            By.XPATH, "//*[contains(@class, 'announcement')][contains(., 'Range maintenance at 14:00')]//form[contains(@action, '/withdraw')]//button"
        ).click()
        browser.switch_to.alert.accept()
        wait_for_next_page(browser, page)
        assert "Range maintenance at 14:00" in browser.find_element(By.CSS_SELECTOR, ".announcement.withdrawn").text
        WebDriverWait(blue, 5).until(lambda w: not w.find_elements(By.CSS_SELECTOR, "#toasts [data-announcement]"))
        assert not_reloaded(blue)
        blue.get(server + EXERCISE + "/announcements")
        assert "Range maintenance at 14:00" not in blue.find_element(By.TAG_NAME, "main").text

        # The admin watches the scoreboard; the blue member solves a challenge in the other window.
        browser.get(server + EXERCISE + "/scoreboard")
        wait_until_live(browser)
        before = total(browser, "Australia")
        blue.get(server + EXERCISE + "/challenges")
        blue.find_element(By.LINK_TEXT, "Overdue invoice").click()
        blue.find_element(By.NAME, "flag").send_keys("RAMPART{PHISH_KIT_0203}")
        submit(blue, blue.find_element(By.XPATH, "//form[.//input[@name='flag']]//button"))
        assert "Correct" in blue.find_element(By.TAG_NAME, "main").text

        solved_at = time.time()
        WebDriverWait(browser, 5).until(lambda w: total(w, "Australia") not in (None, before))
        assert total(browser, "Australia") > (before or 0)
        assert not_reloaded(browser), "the scoreboard was reloaded instead of updated in place"
        print(f"the scoreboard moved {time.time() - solved_at:.2f} s after the solve's page came back")

    finally:
        blue.quit()
