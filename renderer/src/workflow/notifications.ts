/**
 * Desktop notifications through the web Notification API, which the browser host (Chromium) and
 * Electron's renderer both implement. Permission is asked only on a user's click (browsers ignore
 * or punish unprompted requests); without it nothing is lost: every alert is also in the in-app
 * list.
 */
export type NotifyPermission = NotificationPermission | 'unsupported';

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export async function askNotifyPermission(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** Shows one notification when allowed; clicking it calls `onClick` (e.g. opens the match). Returns whether it was shown. */
export function notify(title: string, body: string, tag: string, onClick?: () => void): boolean {
  if (notifyPermission() !== 'granted') return false;
  try {
    const n = new Notification(title, { body, tag });
    if (onClick) {
      n.onclick = () => {
        window.focus();
        onClick();
        n.close();
      };
    }
    return true;
  } catch {
    // Some embeddings (Android WebView, old Electron) only allow service-worker notifications.
    return false;
  }
}
