// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Phone menu: the toggle shows and hides the header's menu and says so to screen readers.
  const toggle = document.querySelector(".nav-toggle");
  const menu = document.getElementById(toggle?.getAttribute("aria-controls"));
  if (toggle && menu) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    });
  }

  // Account menu: close it on Escape or a click elsewhere, as menus do.
  const account = document.querySelector(".account-menu");
  if (account) {
    document.addEventListener("click", (event) => {
      if (!account.contains(event.target)) account.open = false;
    });
    account.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && account.open) {
        account.open = false;
        account.querySelector("summary").focus();
      }
    });
  }

  // After a failed submit, put the keyboard on the first field with an error.
  document.querySelector("[aria-invalid='true']")?.focus();
});

// Placeholder posters get their film's hue (data-hue) through CSSOM: the Content-Security-Policy
// refuses style="" attributes. Content swapped in by htmx is painted as it arrives.
function paintPosterHues(root) {
  for (const poster of root.querySelectorAll("[data-hue]")) {
    poster.style.setProperty("--hue", poster.dataset.hue);
  }
}
document.addEventListener("DOMContentLoaded", () => paintPosterHues(document));
document.addEventListener("htmx:load", (event) => paintPosterHues(event.target));
