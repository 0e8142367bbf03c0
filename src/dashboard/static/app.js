// The page's router: one HTML shell for every path, each view a module that fills <main>.
import { fill, h } from './dom.js';

const VIEWS = [
  { pattern: /^\/$/, nav: 'live', load: () => import('./live.js') },
  { pattern: /^\/replies$/, nav: 'replies', load: () => import('./replies.js') },
  { pattern: /^\/replies\/([1-9]\d*)$/, nav: 'replies', load: () => import('./reply.js') },
  { pattern: /^\/summary$/, nav: 'summary', load: () => import('./summary.js') },
];

async function start() {
  const main = document.getElementById('main');
  const path = location.pathname;
  const view = VIEWS.find((v) => v.pattern.test(path));
  for (const link of document.querySelectorAll('nav a[data-view]')) {
    if (view !== undefined && link.dataset.view === view.nav) link.setAttribute('aria-current', 'page');
  }
  if (view === undefined) {
    fill(main, h('h1', {}, 'Not found'));
    return;
  }
  const module = await view.load();
  try {
    await module.render(main, path.match(view.pattern), new URLSearchParams(location.search));
  } catch (error) {
    fill(
      main,
      h('h1', {}, 'Could not load this view'),
      h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)),
    );
  }
}

start();
