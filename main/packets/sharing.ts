/**
 * Who may see an organisation's contact details in a partner packet (docs/packets.md, "Sharing"):
 *
 *   public   -> everyone: both packets and the bundle show them.
 *   partners -> the named partner of THIS exchange: both packets (the other side is that partner)
 *               and the bundle (only the two partners receive it) show them. The default when an
 *               organisation states no level (domain DEFAULT_SHARING).
 *   private  -> nobody: no name, e-mail or phone of that organisation's contact anywhere, not in
 *               either PDF, not in the bundle; the packet says to go through the facilitator.
 *
 * The rule is applied while the data is assembled, so the renderer cannot leak what it never got.
 */
import { DEFAULT_SHARING, type SHARING_LEVELS } from '../domain/entities.ts';

export type SharingLevel = (typeof SHARING_LEVELS)[number];
export type Viewer = 'partner' | 'public';

export interface Contact {
  name?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
}

/** The contact `viewer` may see of an organisation with `sharing`, or undefined. */
export function visibleContact(sharing: SharingLevel | undefined, contact: Contact | undefined, viewer: Viewer): Contact | undefined {
  const level = sharing ?? DEFAULT_SHARING;
  if (!contact || level === 'private') return undefined;
  if (level === 'partners' && viewer !== 'partner') return undefined;
  const out: Contact = {};
  if (contact.name) out.name = contact.name;
  if (contact.email) out.email = contact.email;
  if (contact.phone) out.phone = contact.phone;
  return Object.keys(out).length ? out : undefined;
}
