"""The Dagster UI of a `dg dev` server in headless Chromium, driven with Selenium.

Nothing is downloaded at run time: the browser and its driver are the machine's (Debian's
`chromium` and `chromium-driver`, which .ci/run installs, or the paths in $CHROMIUM and
$CHROMEDRIVER), and the driver's path goes to Selenium, so Selenium Manager never runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import REPO

# Headless, as root, and quiet: no sandbox (root), no GPU, no calls home of the browser itself.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1280,1000",
]  # fmt: skip
MISSING = (
    "Chromium and its chromedriver are needed for the UI test: "
    "apt-get install chromium chromium-driver (.ci/run does), "
    "or point $CHROMIUM and $CHROMEDRIVER at a Chromium-based browser and its driver"
)
# Where the screenshots go (git-ignored; the template's CI uploads the folder).
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", REPO / "test-artifacts" / "screenshots"))


def binaries() -> tuple[str, str] | None:
    """The browser and its driver: $CHROMIUM and $CHROMEDRIVER, else the ones on the PATH
    (Debian's chromium and chromedriver; GitHub's Ubuntu runners have a chromium, of the build of
    their Google Chrome, and Chrome's chromedriver)."""
    browser = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("google-chrome")
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    found = browser and driver and all(os.access(path, os.X_OK) for path in (browser, driver))
    return (browser, driver) if found else None


class Page:
    def __init__(self, driver: webdriver.Chrome, base_url: str, shots: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.shots = shots
        self.welcomed = False

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait_until(self, shown: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        """Poll the page's text until it shows what is asked (the React app renders after its
        queries); the text."""

        def check(_) -> str | bool:
            body = self.text()
            return body if shown(body) else False

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.25).until(check)
        except TimeoutException:
            shot = self.screenshot("not-shown")
            raise AssertionError(
                f"{self.driver.current_url}: {what} not shown within {timeout} s ({shot}). "
                f"The page shows:\n{self.text()[:3000]}"
            ) from None

    def wait_for(self, *texts: str) -> str:
        """Wait until every text is on the page; the page's text."""
        return self.wait_until(lambda body: all(t in body for t in texts), repr(texts))

    def open(self, path: str, *texts: str) -> str:
        """Load a page of the UI and wait for the texts; the page's text."""
        self.driver.get(self.base_url + path)
        if not self.welcomed:
            self.skip_welcome()
            self.welcomed = True
        return self.wait_for(*texts)

    def skip_welcome(self) -> None:
        """The UI's first visit asks to join its community in a dialog over the page: skip it
        (the browser's profile remembers)."""
        with contextlib.suppress(TimeoutException):
            WebDriverWait(self.driver, 5, poll_frequency=0.25).until(
                lambda d: "Join the Dagster community" in self.text()
            )
            self.driver.find_element(By.XPATH, "//button[normalize-space()='Skip']").click()
            WebDriverWait(self.driver, 10, poll_frequency=0.25).until(
                lambda d: "Join the Dagster community" not in self.text()
            )

    def show_whole_graph(self) -> None:
        """The asset graph on the whole window: navigation and asset list hidden (their own
        buttons), then every group opened with the graph's shortcut, ⌥E, which fits the view
        (at a scale that shows each asset's status: the window is tall enough for the graph)."""
        self.driver.find_element(By.XPATH, "//button[normalize-space()='Hide navigation']").click()
        jump_to = "//input[starts-with(@placeholder, 'Jump to')]"
        self.driver.find_element(By.XPATH, f"{jump_to}/following::button[1]").click()
        WebDriverWait(self.driver, 10).until(lambda d: not d.find_elements(By.XPATH, jump_to))
        ActionChains(self.driver).key_down(Keys.ALT).send_keys("e").key_up(Keys.ALT).perform()

    def screenshot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        return path


@contextlib.contextmanager
def chromium(base_url: str, shots: Path = SCREENSHOTS) -> Iterator[Page]:
    """A headless Chromium on a fresh profile, for the UI at base_url."""
    found = binaries()
    assert found, MISSING
    browser, driver = found
    # Selenium Manager is not run (the driver's path is given); were it run, it would stay offline.
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
        try:
            yield Page(chrome, base_url, shots)
        finally:
            chrome.quit()
