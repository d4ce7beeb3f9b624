// The web API of `siamex serve` as the console calls it: one error shape for every refusal
// ({"error": {"code", "text"}}), shown to the person as the code and the exchange's sentence.

import {session} from "./session.js";

/** A refusal: the exchange's code and sentence, and whatever it said beside them. */
export class Refusal extends Error {
  constructor(status, code, text, extra = {}) {
    super(text);
    this.status = status;
    this.code = code;
    this.text = text;
    this.extra = extra;
  }
}

/** Call an endpoint with the session's token (or `token`); the answer's JSON (or its text, for
 * one that is not JSON: a CSV), or a Refusal. */
export async function call(method, path, body = undefined, token = undefined) {
  const headers = {};
  const bearer = token ?? session()?.token;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (error) {
    throw new Refusal(0, "NO_CONNECTION", `the exchange did not answer: ${error.message}`);
  }
  const text = await response.text();
  if (response.ok && !(response.headers.get("content-type") || "").includes("json")) return text;
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new Refusal(response.status, `HTTP_${response.status}`, text.slice(0, 200));
  }
  if (!response.ok) {
    const {error, ...extra} = data || {};
    throw new Refusal(response.status, error?.code ?? `HTTP_${response.status}`,
                      error?.text ?? response.statusText, extra);
  }
  return data;
}
