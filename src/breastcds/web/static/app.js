// Tumour-board page: builds the case JSON from the form, calls the service's own REST routes,
// shows the stored assessment laid out by the server. No clinical logic here; no external assets.
"use strict";
(function () {
  const $ = (sel) => document.querySelector(sel);
  const lang = document.body.dataset.lang || "en";
  const T = JSON.parse($("#i18n").textContent);
  const TOKEN_KEY = "breastcds-token";
  let currentId = null;

  const tokenInput = $("#token");
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
  tokenInput.addEventListener("change", () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()));

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    const t = tokenInput.value.trim();
    if (t) { h["Authorization"] = "Bearer " + t; sessionStorage.setItem(TOKEN_KEY, t); }
    return h;
  }

  function status(text) { $("#status").textContent = text || ""; }
  function busy(on) { $("#result").setAttribute("aria-busy", on ? "true" : "false"); if (on) status(T.loading); }

  // ---------------------------------------------------------------- field-level errors (422)
  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    form.querySelectorAll(".form-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
  }

  function fieldBox(form, path) {
    let parts = String(path).replace(/^body\./, "").split(".");
    while (parts.length) {
      const name = parts.join(".");
      const box = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
      if (box) return box;
      parts = parts.slice(0, -1);
    }
    return null;
  }

  function showProblem(form, problem, fallbackEl) {
    clearErrors(form);
    const other = [];
    let first = null;
    for (const e of problem.errors || []) {
      const box = fieldBox(form, e.field);
      const text = e.field + ": " + e.message + (e.value !== null && e.value !== undefined ? " (" + JSON.stringify(e.value) + ")" : "");
      if (box) {
        const p = box.querySelector(".field-error");
        p.textContent = p.textContent ? p.textContent + " · " + text : text;
        p.hidden = false;
        const input = box.querySelector("input, select, textarea");
        if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
      } else {
        other.push(text);
      }
    }
    const top = fallbackEl || form.querySelector(".form-error");
    if (top) {
      const head = (problem.errors && problem.errors.length) ? T.form_errors : (problem.detail || problem.title || "error");
      top.textContent = head + (other.length ? " " + T.other_errors + ": " + other.join("; ") : "");
      top.hidden = false;
    }
    status(problem.detail || "");
    if (first) first.focus();
  }

  async function problemOf(resp) {
    try { return await resp.json(); } catch (err) { return { title: resp.statusText, detail: "HTTP " + resp.status, errors: [] }; }
  }

  // ---------------------------------------------------------------- form -> case JSON
  function setPath(obj, path, value) {
    const parts = path.split(".");
    let o = obj;
    for (let i = 0; i < parts.length - 1; i++) { o[parts[i]] = o[parts[i]] || {}; o = o[parts[i]]; }
    o[parts[parts.length - 1]] = value;
  }

  function collect(form) {
    const out = {};
    const sites = [];
    for (const el of form.elements) {
      if (!el.name || el.disabled) continue;
      if (el.type === "checkbox") { if (el.checked) sites.push(el.value); continue; }
      const raw = el.value.trim();
      if (raw === "") continue; // empty = not recorded
      if (el.dataset.type === "number") {
        const n = Number(raw);
        setPath(out, el.name, Number.isFinite(n) ? n : raw); // the service names a bad value
      } else if (el.dataset.type === "lines") {
        const lines = raw.split(/\n+/).map((l) => l.trim()).filter(Boolean).map((l) => {
          const [agents, outcome] = l.split("|").map((x) => (x || "").trim());
          const line = { agents: agents.split("+").map((a) => a.trim().toLowerCase()).filter(Boolean) };
          if (outcome) line.outcome = outcome.toLowerCase();
          return line;
        });
        setPath(out, el.name, lines);
      } else {
        setPath(out, el.name, raw);
      }
    }
    if (sites.length) setPath(out, "tumour.metastatic_sites", sites);
    return out;
  }

  function fill(form, data) {
    form.reset();
    const flat = {};
    (function walk(o, prefix) {
      for (const [k, v] of Object.entries(o || {})) {
        const p = prefix ? prefix + "." + k : k;
        if (v && typeof v === "object" && !Array.isArray(v)) walk(v, p); else flat[p] = v;
      }
    })(data, "");
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "checkbox") { el.checked = (flat[el.name] || []).includes(el.value); continue; }
      const v = flat[el.name];
      if (v === undefined || v === null) continue;
      if (el.dataset.type === "lines") {
        el.value = v.map((l) => (l.agents || []).join(" + ") + (l.outcome ? " | " + l.outcome : "")).join("\n");
      } else { el.value = String(v); }
    }
  }

  // ---------------------------------------------------------------- assess / open / download
  async function assess(payload, form, errorEl) {
    const isBundle = payload && payload.resourceType === "Bundle";
    busy(true);
    try {
      const resp = await fetch(isBundle ? "/assess/fhir" : "/assess", {
        method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(payload),
      });
      if (resp.status === 201) {
        clearErrors(form);
        const stored = await resp.json();
        await openAssessment(stored.id);
      } else {
        showProblem(form, await problemOf(resp), errorEl);
      }
    } finally { busy(false); }
  }

  async function openAssessment(id) {
    busy(true);
    try {
      const resp = await fetch("/ui/api/assessments/" + encodeURIComponent(id) + "/view?lang=" + lang, { headers: headers() });
      const openForm = $("#open-form");
      if (!resp.ok) { showProblem(openForm, await problemOf(resp), $("#err-assessment-id")); return; }
      clearErrors(openForm);
      $("#result-body").innerHTML = await resp.text();
      currentId = id;
      $("#assessment-id").value = id;
      $("#downloads").hidden = false;
      status(T.stored_as + " " + id);
      const other = lang === "zh" ? "en" : "zh";
      $("#lang-switch").href = "/ui/assessments/" + id + "?lang=" + other;
      history.replaceState(null, "", "/ui/assessments/" + id + "?lang=" + lang);
      $("#result").focus();
    } finally { busy(false); }
  }

  async function download(fmt) {
    if (!currentId) return;
    busy(true);
    try {
      const resp = await fetch("/ui/api/assessments/" + currentId + "/report." + fmt + "?lang=" + lang, { headers: headers() });
      if (!resp.ok) { const p = await problemOf(resp); status(p.detail || p.title); return; }
      const blob = await resp.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "breastcds-" + currentId + "-" + lang + "." + fmt;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      status("");
    } finally { busy(false); }
  }

  // ---------------------------------------------------------------- wiring
  const caseForm = $("#case-form");
  caseForm.addEventListener("submit", (ev) => { ev.preventDefault(); assess(collect(caseForm), caseForm); });

  $("#upload-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const file = $("#case-file").files[0];
    if (!file) return;
    let data;
    try { data = JSON.parse(await file.text()); } catch (err) {
      showProblem(form, { detail: file.name, errors: [{ field: "file", message: String(err.message || err) }] }, $("#err-case-file"));
      return;
    }
    await assess(data, form, $("#err-case-file"));
  });

  async function example() {
    const resp = await fetch("/ui/api/examples/" + encodeURIComponent($("#example").value));
    return resp.json();
  }
  $("#example-form").addEventListener("submit", async (ev) => { ev.preventDefault(); await assess(await example(), caseForm); });
  $("#example-fill").addEventListener("click", async () => { fill(caseForm, await example()); $("#f-case_id").focus(); });

  $("#open-form").addEventListener("submit", (ev) => { ev.preventDefault(); const id = $("#assessment-id").value.trim(); if (id) openAssessment(id); });
  $("#download-pdf").addEventListener("click", () => download("pdf"));
  $("#download-html").addEventListener("click", () => download("html"));

  $("#dicom-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const fd = new FormData();
    for (const name of ["rtdose", "rtstruct"]) { const f = form.elements[name].files[0]; if (f) fd.append(name, f); }
    for (const name of ["fractions", "alpha_beta_gy", "limits"]) { const v = form.elements[name].value.trim(); if (v) fd.append(name, v); }
    fd.append("lang", lang);
    busy(true);
    try {
      const resp = await fetch("/ui/api/dvh", { method: "POST", headers: headers(), body: fd });
      if (!resp.ok) { showProblem(form, await problemOf(resp), $("#dicom-error")); return; }
      clearErrors(form);
      $("#dvh-result").innerHTML = await resp.text();
      status("");
    } finally { busy(false); }
  });

  const preset = document.body.dataset.assessmentId;
  if (preset && tokenInput.value) openAssessment(preset);
})();
