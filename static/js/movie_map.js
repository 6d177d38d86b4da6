// The movie map: every film as a dot on a canvas, zoomed with the wheel (or pinch, or the
// buttons) and panned by dragging. Pointing at a dot shows its title; selecting it opens
// the film. The points come from the map's JSON (cached by version), the signed-in user's
// films from a second, private one. A canvas, not one element per film: 60k dots stay fast.
(() => {
  const PALETTE = ["#0ea5e9", "#a855f7", "#f59e0b", "#10b981", "#ef4444", "#6366f1", "#84cc16", "#ec4899", "#14b8a6", "#f97316"];
  const HIT_PIXELS = 8; // how close the pointer must be to a dot to pick it
  const MARKED_BONUS = 16; // squared pixels: a marked film wins a near tie with a plain dot
  const MIN_SCALE = 0.5;
  const MAX_SCALE = 60;
  const FIND_SCALE = 8; // the zoom a found film is shown at (at least)
  const FIND_RESULTS = 8;
  const FIND_MIN_CHARS = 2;

  // Lower case without accents, so that "amelie" finds "Amélie".
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function init(root) {
    const canvas = root.querySelector("canvas");
    const tooltip = root.querySelector(".movie-map__tooltip");
    const ctx = canvas.getContext("2d");
    const state = { scale: 1, dx: 0, dy: 0, hover: -1, found: -1, data: null, mine: null, base: null };
    const pointers = new Map();
    let moved = 0;
    let pinch = null;

    // World (layout) coordinates to CSS pixels: fit the layout, then the user's zoom and pan.
    const toScreen = (i) => [
      (state.data.x[i] * state.base.k + state.base.ox) * state.scale + state.dx,
      (state.base.oy - state.data.y[i] * state.base.k) * state.scale + state.dy,
    ];
    const worldToScreen = (x, y) => [
      (x * state.base.k + state.base.ox) * state.scale + state.dx,
      (state.base.oy - y * state.base.k) * state.scale + state.dy,
    ];

    function fit() {
      const { x, y } = state.data;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
      for (let i = 0; i < x.length; i++) {
        minX = Math.min(minX, x[i]); maxX = Math.max(maxX, x[i]);
        minY = Math.min(minY, y[i]); maxY = Math.max(maxY, y[i]);
      }
      const pad = 24;
      const k = Math.min((width - 2 * pad) / (maxX - minX || 1), (height - 2 * pad) / (maxY - minY || 1));
      state.base = {
        k,
        ox: (width - (maxX - minX) * k) / 2 - minX * k,
        oy: (height + (maxY - minY) * k) / 2 + minY * k,
      };
    }

    function resize() {
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(canvas.clientWidth * ratio);
      canvas.height = Math.round(canvas.clientHeight * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      if (state.data) { fit(); draw(); }
    }

    function kindOf(id) {
      const mine = state.mine;
      if (!mine) return null;
      if (id in mine.rated) return "rated";
      if (mine.watchlistSet.has(id)) return "watchlist";
      if (mine.recommendedSet.has(id)) return "recommended";
      return null;
    }

    function draw() {
      const { ids, cluster, clusters } = state.data;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      ctx.clearRect(0, 0, width, height);
      const size = Math.min(6, 3 + state.scale * 0.3);
      const marked = [];
      ctx.globalAlpha = 0.6;
      for (let i = 0; i < ids.length; i++) {
        const [sx, sy] = toScreen(i);
        if (sx < -5 || sy < -5 || sx > width + 5 || sy > height + 5) continue;
        if (state.mine && kindOf(ids[i])) { marked.push(i); continue; }
        ctx.fillStyle = PALETTE[cluster[i] % PALETTE.length];
        ctx.fillRect(sx - size / 2, sy - size / 2, size, size); // squares: much cheaper than arcs for thousands of dots
      }
      ctx.globalAlpha = 1;
      const colours = { rated: colour("--map-rated"), watchlist: colour("--map-watchlist"), recommended: colour("--map-recommended") };
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#fff";
      for (const i of marked) {
        const [sx, sy] = toScreen(i);
        ctx.beginPath();
        ctx.arc(sx, sy, 5, 0, 2 * Math.PI);
        ctx.fillStyle = colours[kindOf(ids[i])];
        ctx.fill();
        ctx.stroke();
      }
      if (state.found >= 0) {
        // The film found with the search box: a ring in the accent colour, around a white one.
        const [sx, sy] = toScreen(state.found);
        ctx.beginPath();
        ctx.arc(sx, sy, 11, 0, 2 * Math.PI);
        ctx.lineWidth = 6;
        ctx.strokeStyle = "#fff";
        ctx.stroke();
        ctx.lineWidth = 3;
        ctx.strokeStyle = colour("--accent");
        ctx.stroke();
      }
      if (state.hover >= 0) {
        const [sx, sy] = toScreen(state.hover);
        ctx.beginPath();
        ctx.arc(sx, sy, 7, 0, 2 * Math.PI);
        ctx.strokeStyle = colour("--fg");
        ctx.lineWidth = 2;
        ctx.stroke();
      }
      // Labels last, over the dots; the biggest neighbourhoods win where labels collide.
      ctx.font = `600 13px ${getComputedStyle(document.body).fontFamily}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      const placed = [];
      for (const c of [...clusters].sort((a, b) => b.size - a.size)) {
        const [sx, sy] = worldToScreen(c.x, c.y);
        const w = ctx.measureText(c.label).width;
        const box = [sx - w / 2 - 4, sy - 10, sx + w / 2 + 4, sy + 10];
        const overlaps = placed.some((p) => box[0] < p[2] && p[0] < box[2] && box[1] < p[3] && p[1] < box[3]);
        // Two halves of one island often share a label: name it once.
        const repeats = placed.some((p) => p.label === c.label && Math.hypot(p.x - sx, p.y - sy) < 160);
        if (overlaps || repeats) continue;
        placed.push(Object.assign(box, { label: c.label, x: sx, y: sy }));
        ctx.lineWidth = 4;
        ctx.strokeStyle = "rgba(255,255,255,.85)";
        ctx.strokeText(c.label, sx, sy);
        ctx.fillStyle = "#1c1917";
        ctx.fillText(c.label, sx, sy);
      }
      canvas.dataset.scale = state.scale.toFixed(3);
      canvas.dataset.found = state.found >= 0 ? state.data.ids[state.found] : "";
    }

    // Nearest dot within HIT_PIXELS of (px, py), by a scan of the visible dots: ~1 ms for
    // 60k, so no index to keep in sync with zoom. Marked films win ties, being on top.
    function pick(px, py) {
      const { ids } = state.data;
      let best = -1;
      let bestDistance = HIT_PIXELS * HIT_PIXELS;
      for (let i = 0; i < ids.length; i++) {
        const [sx, sy] = toScreen(i);
        const ddx = sx - px;
        const ddy = sy - py;
        if (Math.abs(ddx) > HIT_PIXELS || Math.abs(ddy) > HIT_PIXELS) continue;
        const distance = ddx * ddx + ddy * ddy - (kindOf(ids[i]) ? MARKED_BONUS : 0);
        if (distance < bestDistance) { best = i; bestDistance = distance; }
      }
      return best;
    }

    function describe(i) {
      const id = state.data.ids[i];
      const title = state.data.titles[i];
      const kind = kindOf(id);
      if (kind === "rated") return `${title} · you rated it ${state.mine.rated[id]}★`;
      if (kind === "watchlist") return `${title} · on your watchlist`;
      if (kind === "recommended") return `${title} · recommended for you`;
      return title;
    }

    function hover(px, py) {
      const i = pick(px, py);
      if (i === state.hover) return;
      state.hover = i;
      canvas.classList.toggle("is-over-point", i >= 0);
      if (i < 0) tooltip.hidden = true;
      else showTooltip(i);
      draw();
    }

    function showTooltip(i) {
      const [sx, sy] = toScreen(i);
      tooltip.textContent = describe(i);
      tooltip.hidden = false;
      // Right of the dot, or left of it near the right edge.
      const left = sx + 12 + tooltip.offsetWidth < canvas.clientWidth ? sx + 12 : sx - 12 - tooltip.offsetWidth;
      tooltip.style.left = `${Math.max(4, left)}px`;
      tooltip.style.top = `${Math.max(4, sy - 32)}px`;
    }

    // Zoom in (at least to FIND_SCALE) with film i in the middle, ringed and named.
    function centreOn(i) {
      state.scale = Math.max(state.scale, FIND_SCALE);
      state.dx = 0;
      state.dy = 0;
      const [sx, sy] = toScreen(i);
      state.dx = canvas.clientWidth / 2 - sx;
      state.dy = canvas.clientHeight / 2 - sy;
      state.found = i;
      state.hover = -1;
      showTooltip(i);
      draw();
    }

    function zoom(factor, px, py) {
      const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, state.scale * factor));
      const applied = scale / state.scale;
      state.dx = px - (px - state.dx) * applied;
      state.dy = py - (py - state.dy) * applied;
      state.scale = scale;
      state.hover = -1;
      tooltip.hidden = true;
      draw();
    }

    const local = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [event.clientX - rect.left, event.clientY - rect.top];
    };

    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      const [px, py] = local(event);
      zoom(Math.exp(-event.deltaY * 0.0015), px, py);
    }, { passive: false });

    canvas.addEventListener("pointerdown", (event) => {
      canvas.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, local(event));
      moved = 0;
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        pinch = Math.hypot(a[0] - b[0], a[1] - b[1]);
      }
    });
    canvas.addEventListener("pointermove", (event) => {
      const [px, py] = local(event);
      const last = pointers.get(event.pointerId);
      if (!last) { if (state.data) hover(px, py); return; }
      pointers.set(event.pointerId, [px, py]);
      if (pointers.size === 2 && pinch) {
        const [a, b] = [...pointers.values()];
        const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
        zoom(distance / pinch, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
        pinch = distance;
        moved += 10;
        return;
      }
      moved += Math.abs(px - last[0]) + Math.abs(py - last[1]);
      if (moved > 4) {
        canvas.classList.add("is-dragging");
        state.dx += px - last[0];
        state.dy += py - last[1];
        draw();
      }
    });
    const release = (event) => {
      pointers.delete(event.pointerId);
      if (pointers.size < 2) pinch = null;
      canvas.classList.remove("is-dragging");
    };
    canvas.addEventListener("pointerup", (event) => {
      const wasClick = pointers.size === 1 && moved <= 4;
      release(event);
      if (!wasClick || !state.data) return;
      const [px, py] = local(event);
      const i = pick(px, py);
      if (i >= 0) window.location.assign(root.dataset.movieUrl.replace("{id}", state.data.ids[i]));
    });
    canvas.addEventListener("pointercancel", release);
    canvas.addEventListener("pointerleave", () => {
      if (state.data && state.hover >= 0) { state.hover = -1; tooltip.hidden = true; draw(); }
    });

    root.querySelectorAll("[data-zoom]").forEach((button) => {
      button.addEventListener("click", () => {
        const centre = [canvas.clientWidth / 2, canvas.clientHeight / 2];
        if (button.dataset.zoom === "reset") {
          Object.assign(state, { scale: 1, dx: 0, dy: 0 });
          draw();
        } else {
          zoom(button.dataset.zoom === "in" ? 1.5 : 1 / 1.5, ...centre);
        }
      });
    });

    window.addEventListener("resize", resize);

    const json = (url) => fetch(url, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return response.json();
    });
    Promise.all([json(root.dataset.pointsUrl), json(root.dataset.mineUrl)]).then(([data, mine]) => {
      state.data = data;
      state.mine = {
        rated: mine.rated,
        watchlistSet: new Set(mine.watchlist),
        recommendedSet: new Set(mine.recommended),
      };
      resize();
      const form = document.getElementById(root.dataset.find);
      if (form) finder(form, data.titles, (i) => {
        centreOn(i);
        return { text: describe(i), url: root.dataset.movieUrl.replace("{id}", data.ids[i]) };
      });
      root.classList.add("is-ready");
      // Where a film is on screen: the browser tests point at films with it.
      root.movieMap = {
        screenOf: (id) => {
          const i = state.data.ids.indexOf(id);
          return i < 0 ? null : toScreen(i);
        },
      };
    }).catch((error) => {
      root.insertAdjacentHTML("beforeend", '<p class="notice">The map could not be loaded. Reload the page to try again.</p>');
      console.error(error);
    });
  }

  // "Find a film": a combobox over the map's own titles (ARIA's list autocomplete pattern).
  // Typing lists the best matches (title starts, then word starts, then anywhere; shorter
  // titles first); arrows move through them, Enter or a click picks one, Escape closes.
  // `choose(i)` centres the map on film i and says what to announce and where it opens.
  function finder(form, titles, choose) {
    const input = form.querySelector("input");
    const list = form.querySelector("[role=listbox]");
    const status = form.querySelector("[role=status]");
    const folded = titles.map(fold);
    let matches = [];
    let active = -1;

    const mark = (n) => {
      active = n;
      list.querySelectorAll("[role=option]").forEach((option, m) => {
        option.setAttribute("aria-selected", String(m === n));
      });
      if (n >= 0) {
        input.setAttribute("aria-activedescendant", `${list.id}-${n}`);
        list.children[n].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    };
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      mark(-1);
    };
    const pick = (n) => {
      const i = matches[n];
      input.value = titles[i];
      close();
      const found = choose(i);
      const link = document.createElement("a");
      link.href = found.url;
      link.textContent = "Open its page";
      status.replaceChildren(`On the map: ${found.text}. `, link);
    };

    input.addEventListener("input", () => {
      const query = fold(input.value.trim());
      matches = [];
      if (query.length < FIND_MIN_CHARS) { close(); status.textContent = ""; return; }
      const ranked = [];
      for (let i = 0; i < folded.length; i++) {
        const at = folded[i].indexOf(query);
        if (at < 0) continue;
        const rank = at === 0 ? 0 : /[^a-z0-9]/.test(folded[i][at - 1]) ? 1 : 2;
        ranked.push([rank, folded[i].length, i]);
      }
      ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
      matches = ranked.slice(0, FIND_RESULTS).map(([, , i]) => i);
      list.replaceChildren(...matches.map((i, n) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${n}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = titles[i];
        // mousedown, not click: the input keeps the focus, so the list is not closed first.
        option.addEventListener("mousedown", (event) => { event.preventDefault(); pick(n); });
        return option;
      }));
      list.hidden = matches.length === 0;
      input.setAttribute("aria-expanded", String(matches.length > 0));
      mark(-1);
      status.textContent = matches.length
        ? `${ranked.length} film${ranked.length === 1 ? "" : "s"} match${ranked.length === 1 ? "es" : ""}${ranked.length > matches.length ? `; the first ${matches.length} are listed` : ""}.`
        : `No film on the map matches “${input.value.trim()}”.`;
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!matches.length) return;
        event.preventDefault();
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        const step = event.key === "ArrowDown" ? 1 : -1;
        mark((active + step + matches.length + (active < 0 && step < 0 ? 1 : 0)) % matches.length);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (matches.length && !list.hidden) pick(active >= 0 ? active : 0);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("movie-map");
    if (root) init(root);
  });
})();
