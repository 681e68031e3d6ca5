/** `otpgate send` / `otpgate check`: thin clients of a running server's v1 API. */
export interface ClientOptions {
  url: string;
  token: string | undefined;
}

export async function callApi(options: ClientOptions, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${options.url.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
  return response.ok ? 0 : 1;
}
