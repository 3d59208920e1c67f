// Renders /api/v1/openapi.json: a list of operations, their parameters, bodies and
// responses, and a form to try each one against this venue. No network beyond it.
"use strict";
(function () {
  const nav = document.getElementById("nav");
  const main = document.getElementById("main");
  let spec = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function resolve(schema) {
    let guard = 0;
    while (schema && schema.$ref && guard++ < 20) {
      const name = schema.$ref.split("/").pop();
      schema = (spec.components && spec.components.schemas && spec.components.schemas[name]) || {};
    }
    return schema || {};
  }

  function typeOf(schema) {
    schema = resolve(schema);
    if (schema.oneOf || schema.anyOf) {
      return (schema.oneOf || schema.anyOf).map(typeOf).filter((t) => t !== "null").join(" | ") || "any";
    }
    let type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== "null").join(" | ") : schema.type;
    if (type === "array") return "array of " + typeOf(schema.items || {});
    return type || (schema.properties ? "object" : "any");
  }

  function fields(schema, prefix, rows, depth) {
    schema = resolve(schema);
    if (depth > 4) return rows;
    const required = new Set(schema.required || []);
    for (const [name, raw] of Object.entries(schema.properties || {})) {
      const prop = resolve(raw);
      rows.push(el("tr", {},
        el("td", { class: "field" }, prefix + name),
        el("td", {}, typeOf(raw)),
        el("td", {}, required.has(name) ? "required" : ""),
        el("td", { class: "muted" }, raw.description || prop.description || "")));
      const inner = prop.type === "array" ? resolve(prop.items || {}) : prop;
      if (inner.properties) fields(inner, prefix + name + (prop.type === "array" ? "[]." : "."), rows, depth + 1);
    }
    return rows;
  }

  function fieldTable(schema) {
    const rows = fields(schema, "", [], 0);
    if (!rows.length) return el("p", { class: "muted" }, typeOf(schema));
    return el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, ""), el("th", {}, "")), rows);
  }

  function example(schema, depth) {
    schema = resolve(schema);
    if (depth > 3) return null;
    if (schema.properties) {
      const out = {};
      for (const [name, prop] of Object.entries(schema.properties)) out[name] = example(prop, depth + 1);
      return out;
    }
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
    if (type === "array") return [];
    if (type === "boolean") return false;
    if (type === "integer" || type === "number") return 0;
    if (type === "string") return "";
    return null;
  }

  function operations() {
    const ops = [];
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of ["get", "post", "patch", "delete", "put"]) {
        if (item[method]) ops.push({ path, method, op: item[method] });
      }
    }
    return ops;
  }

  function renderNav() {
    nav.replaceChildren(el("h1", {}, spec.info.title), el("div", { class: "muted" }, "version " + spec.info.version + " - OpenAPI " + spec.openapi));
    nav.append(el("a", { class: "op", href: "#", onclick: (e) => { e.preventDefault(); renderIntro(); } }, "Introduction"));
    const byTag = new Map();
    for (const entry of operations()) {
      const tag = (entry.op.tags && entry.op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(entry);
    }
    for (const [tag, entries] of byTag) {
      nav.append(el("div", { class: "tag" }, tag));
      for (const entry of entries) {
        const link = el("a", { class: "op", href: "#" + entry.method + entry.path },
          el("span", { class: "method " + entry.method }, entry.method.toUpperCase()), el("span", {}, entry.path));
        link.addEventListener("click", (e) => { e.preventDefault(); renderOp(entry); history.replaceState(null, "", "#" + entry.method + entry.path); });
        nav.append(link);
      }
    }
  }

  function renderIntro() {
    main.replaceChildren(el("div", { class: "intro" }, el("h2", {}, spec.info.title),
      ...(spec.info.description || "").split("\n").map((line) => el("p", {}, line)),
      el("p", {}, "The raw document: ", el("a", { href: "/api/v1/openapi.json" }, "/api/v1/openapi.json"))));
  }

  function renderOp(entry) {
    const { path, method, op } = entry;
    const params = op.parameters || [];
    const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    const section = [
      el("h2", {}, el("span", { class: "method " + method }, method.toUpperCase()), " ", el("code", {}, path)),
      op.summary ? el("p", {}, op.summary) : null,
      op.description ? el("pre", {}, op.description) : null,
      op.security ? el("p", { class: "muted" }, "Authentication: " + op.security.map((s) => Object.keys(s).join("+")).join(" or ")) : null,
    ];
    if (params.length) {
      section.push(el("h3", {}, "Parameters"), el("table", {}, params.map((p) =>
        el("tr", {}, el("td", { class: "field" }, p.name), el("td", {}, p.in), el("td", {}, typeOf(p.schema || {})),
          el("td", { class: "muted" }, (p.required ? "required. " : "") + (p.description || ""))))));
    }
    if (body) section.push(el("h3", {}, "Request body"), fieldTable(body.schema));
    section.push(el("h3", {}, "Responses"));
    for (const [status, response] of Object.entries(op.responses || {})) {
      const content = response.content && response.content["application/json"];
      section.push(el("p", {}, el("b", {}, status), " ", el("span", { class: "muted" }, response.description || "")));
      if (content && content.schema) section.push(fieldTable(content.schema));
    }
    section.push(el("h3", {}, "Try it"));
    const inputs = {};
    const token = el("input", { placeholder: "access token or API key (kept in this browser)", value: localStorage.getItem("bourse-docs-token") || "" });
    section.push(el("div", { class: "row" }, el("label", {}, "credential"), token));
    for (const p of params) {
      inputs[p.name] = el("input", { placeholder: p.in + (p.required ? ", required" : "") });
      section.push(el("div", { class: "row" }, el("label", { class: "field" }, p.name), inputs[p.name]));
    }
    let bodyInput = null;
    if (body) {
      bodyInput = el("textarea", {});
      bodyInput.value = JSON.stringify(example(body.schema, 0), null, 2);
      section.push(el("div", {}, bodyInput));
    }
    const output = el("pre", {}, "");
    section.push(el("p", {}, el("button", { onclick: () => send(path, method, params, inputs, bodyInput, token, output) }, "Send")), output);
    main.replaceChildren(...section.filter(Boolean));
  }

  async function send(path, method, params, inputs, bodyInput, token, output) {
    let url = path;
    const query = new URLSearchParams();
    const headers = { "Content-Type": "application/json" };
    for (const p of params) {
      const value = inputs[p.name].value;
      if (!value) continue;
      if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(value));
      else if (p.in === "query") query.set(p.name, value);
      else if (p.in === "header") headers[p.name] = value;
    }
    const credential = token.value.trim();
    localStorage.setItem("bourse-docs-token", credential);
    if (credential.startsWith("bk_")) headers["X-API-Key"] = credential;
    else if (credential) headers["Authorization"] = "Bearer " + credential;
    const qs = query.toString();
    output.textContent = "...";
    try {
      const response = await fetch(url + (qs ? "?" + qs : ""), { method: method.toUpperCase(), headers, body: bodyInput ? bodyInput.value : undefined });
      const text = await response.text();
      let pretty = text;
      try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
      output.textContent = response.status + " " + response.statusText + "\nx-request-id: " + (response.headers.get("x-request-id") || "") + "\n\n" + pretty;
    } catch (error) {
      output.textContent = "request failed: " + error;
    }
  }

  fetch("/api/v1/openapi.json").then((r) => r.json()).then((doc) => {
    spec = doc;
    renderNav();
    const hash = decodeURIComponent(location.hash.slice(1));
    const found = operations().find((e) => e.method + e.path === hash);
    if (found) renderOp(found); else renderIntro();
  }).catch((error) => { main.textContent = "Could not load the OpenAPI document: " + error; });
})();
