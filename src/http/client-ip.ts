// The peer address of a request, recorded by the server wrapper (Elysia's app.handle has no server).
const ips = new WeakMap<Request, string>()

export function rememberIp(request: Request, ip: string | null | undefined) {
  if (ip) ips.set(request, ip)
}

export const clientIp = (request: Request): string | null => ips.get(request) ?? null
