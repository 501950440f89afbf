/** The tones text is shown in; theme.tsx maps them to colours (or to nothing, under NO_COLOR). */
export type Tone = 'plain' | 'title' | 'accent' | 'muted' | 'success' | 'error' | 'warning' | 'added' | 'removed' | 'selected' | 'cursor';
