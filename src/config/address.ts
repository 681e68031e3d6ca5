/** `host:port` as it goes into a URL: an IPv6 address is bracketed (`[::1]:8080`). */
export function hostAndPort(host: string, port: number | string): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
