import { expect } from '@open-wc/testing';
import { pathOf } from './composed-tree.ts';

describe('pathOf', () => {
  let host: HTMLElement;
  afterEach(() => host.remove());

  it('gives each listening node the path it sees, as composedPath() does', () => {
    host = document.body.appendChild(document.createElement('div'));
    const shadow = host.attachShadow({ mode: 'closed' });
    const button = shadow.appendChild(document.createElement('button'));
    const firsts: EventTarget[] = [];
    const record = (event: Event) => {
      expect(pathOf(event)).to.deep.equal(event.composedPath());
      // Asked twice by the same listener, the same answer.
      expect(pathOf(event)).to.equal(pathOf(event));
      firsts.push(pathOf(event)[0]!);
    };
    shadow.addEventListener('click', record);
    document.addEventListener('click', record);
    let clicked: Event | undefined;
    button.addEventListener('click', (event) => (clicked = event), { once: true });
    button.click();
    document.removeEventListener('click', record);
    // Inside the closed root the button itself; at document only its host.
    expect(firsts).to.deep.equal([button, host]);
    // After dispatch, like composedPath(), nothing.
    expect(pathOf(clicked!)).to.deep.equal([]);
  });
});
