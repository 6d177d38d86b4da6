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

  // After a failed submit, put the keyboard on the first field with an error.
  document.querySelector("[aria-invalid='true']")?.focus();
});
