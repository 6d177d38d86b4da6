// Search-as-you-type for every search box with a data-suggest-url (the header's, on every page).
// Progressive enhancement: without this file the box is a plain search form.
//
// The ARIA 1.2 combobox pattern: the input is a combobox that controls a listbox of films;
// the film chosen with the arrow keys is named by aria-activedescendant while the focus stays
// in the input; a polite live region says how many films are suggested. Enter opens the
// chosen film (or, with none chosen, searches as before), Escape closes the list.
(() => {
  const MIN_LENGTH = 2; // catalog.search.SUGGEST_MIN_LENGTH
  const DELAY_MS = 120; // typing faster than this sends one request, for the last letters
  let boxes = 0;

  function poster(film) {
    if (film.poster) {
      const image = document.createElement("img");
      image.className = "suggestion__poster";
      image.src = film.poster;
      image.alt = ""; // the title is printed beside it
      image.width = 32;
      image.height = 48;
      return image;
    }
    const placeholder = document.createElement("span");
    placeholder.className = "suggestion__poster poster--placeholder";
    placeholder.setAttribute("aria-hidden", "true");
    placeholder.textContent = film.initials;
    placeholder.style.setProperty("--hue", film.hue); // CSSOM: the CSP refuses style=""
    return placeholder;
  }

  function enhance(input) {
    boxes += 1;
    const listbox = document.createElement("ul");
    listbox.id = `suggestions-${boxes}`;
    listbox.className = "suggestions";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Suggested films");
    listbox.hidden = true;
    // A polite live region, without role="status": the page's own messages keep that role.
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    input.after(listbox, status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-expanded", "false");

    let options = [];
    let active = -1;
    let timer = null;
    let request = null;

    function setActive(index) {
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show(open) {
      listbox.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
      if (!open) setActive(-1);
    }

    function render(films, query) {
      options = films.map((film, index) => {
        const option = document.createElement("li");
        option.id = `${listbox.id}-${index}`;
        option.className = "suggestion";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = film.url;
        const title = document.createElement("span");
        title.className = "suggestion__title";
        title.textContent = film.title;
        const year = document.createElement("span");
        year.className = "suggestion__year";
        year.textContent = film.year ?? "";
        option.append(poster(film), title, year);
        // Pressing on an option would move the focus out of the input and close the list.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => window.location.assign(film.url));
        return option;
      });
      listbox.replaceChildren(...options);
      active = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = films.length
        ? `${films.length} film${films.length === 1 ? "" : "s"} suggested; up and down arrows to choose, Enter to open.`
        : `No film title starts with “${query}”; Enter searches everything.`;
      show(films.length > 0);
    }

    async function suggest(query) {
      request?.abort();
      request = new AbortController();
      const url = new URL(input.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", query);
      try {
        const response = await fetch(url, {
          signal: request.signal,
          headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(`suggestions: HTTP ${response.status}`);
        const data = await response.json();
        if (input.value.trim() === query) render(data.results, query);
      } catch (error) {
        if (error.name !== "AbortError") show(false); // the plain search still works
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (query.length < MIN_LENGTH) {
        request?.abort();
        options = [];
        listbox.replaceChildren();
        status.textContent = "";
        show(false);
        return;
      }
      timer = setTimeout(() => suggest(query), DELAY_MS);
    });

    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) return;
        event.preventDefault();
        show(true);
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive(active < 0 && step < 0 ? options.length - 1 : (active + step + options.length) % options.length);
      } else if (event.key === "Enter" && !listbox.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(options[active].dataset.url);
      } else if (event.key === "Escape" && !listbox.hidden) {
        event.preventDefault(); // the first Escape closes the list; the next clears the box
        show(false);
      }
    });

    input.addEventListener("blur", () => show(false));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-suggest-url]").forEach(enhance);
  });
})();
