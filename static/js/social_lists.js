// Drag and drop to reorder a list you own; the Up and Down buttons do the same from the
// keyboard (and without this script). Saves the new order at once, then reloads so that
// the ranks and buttons show the order the server kept.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector(".list-entries[data-order-url]");
  if (!list) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  let dragged = null;

  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest(".list-entry");
    if (!dragged) return;
    dragged.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.movie);
  });

  list.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target.closest(".list-entry");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });

  list.addEventListener("drop", (event) => event.preventDefault());

  list.addEventListener("dragend", async () => {
    if (!dragged) return;
    dragged.classList.remove("is-dragging");
    dragged = null;
    const movies = [...list.querySelectorAll(".list-entry")].map((li) => Number(li.dataset.movie));
    await fetch(list.dataset.orderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify({ movies }),
      credentials: "same-origin",
    });
    window.location.reload();
  });
});
